#!/usr/bin/env python3
"""Write Gymnasium's CartPole-v1 transitions as a golden file for ai4s's CartPole.

Gymnasium is a peer for comparison only, never a project dependency. In a throwaway venv:

    python3 -m venv /tmp/ai4s-peers && /tmp/ai4s-peers/bin/pip install gymnasium numpy
    /tmp/ai4s-peers/bin/python bench/compare/gym_cartpole_golden.py tests/data/cartpole/golden.csv

Rows: 400 single transitions from random tilted, moving states (numpy seed 0; x in +-2.6,
x_dot in +-3, theta in +-0.25 rad, theta_dot in +-3, so some start or end beyond the
termination bounds), action alternating 0/1; then 4 trajectories of 60 steps from reset
states (seeds 1..4) with a fixed action pattern, stepping on past termination as the
unwrapped environment allows. Each row holds the state before, the action, Gymnasium's state
after (float64, `env.unwrapped.state`, printed with 17 significant digits) and its
`terminated` flag. tests/rl.rs asserts that ai4s's dynamics reproduce every row to 1e-12.
"""

import sys
import warnings

import gymnasium as gym
import numpy as np

warnings.filterwarnings("ignore")


def main(out_path):
    env = gym.make("CartPole-v1").unwrapped
    env.reset(seed=0)
    rows = []

    def step(state, action):
        env.state = np.array(state, dtype=np.float64)
        env.steps_beyond_terminated = None
        _, _, terminated, _, _ = env.step(action)
        return [float(v) for v in env.state], bool(terminated)

    rng = np.random.default_rng(0)
    lo = np.array([-2.6, -3.0, -0.25, -3.0])
    for k in range(400):
        s = [float(v) for v in rng.uniform(lo, -lo)]
        a = k % 2
        nxt, term = step(s, a)
        rows.append((s, a, nxt, term))
    pattern = [1, 1, 0, 1, 0, 0, 0, 1, 1, 0]
    for seed in range(1, 5):
        env.reset(seed=seed)
        s = [float(v) for v in env.state]
        for k in range(60):
            a = pattern[(k + seed) % len(pattern)]
            nxt, term = step(s, a)
            rows.append((s, a, nxt, term))
            s = nxt
    with open(out_path, "w") as f:
        f.write(f"# Gymnasium {gym.__version__} CartPole-v1 transitions; bench/compare/gym_cartpole_golden.py\n")
        f.write("x,x_dot,theta,theta_dot,action,next_x,next_x_dot,next_theta,next_theta_dot,terminated\n")
        for s, a, nxt, term in rows:
            vals = [repr(v) for v in s] + [str(a)] + [repr(v) for v in nxt] + [str(int(term))]
            f.write(",".join(vals) + "\n")
    print(f"wrote {len(rows)} transitions to {out_path}")


if __name__ == "__main__":
    main(sys.argv[1])
