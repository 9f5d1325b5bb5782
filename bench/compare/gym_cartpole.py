"""Gymnasium peers of `ai4s bench` items cartpole_env and ppo_cartpole.

cartpole_env: CartPole-v1 steps per second, one environment, uniformly random actions,
reset on termination/truncation (gymnasium.make adds the usual wrappers, as users get them;
the raw environment without wrappers is measured too).

ppo_cartpole: a CleanRL-style PPO in PyTorch with exactly the settings of `ai4s run ppo`
(rl-baselines3-zoo CartPole-v1: 8 envs x 32 steps, batch 256, 20 epochs, gamma 0.98, GAE 0.8,
clip 0.2 and lr 1e-3 both annealed linearly, ent 0, vf 0.5, grad-norm 0.5, separate 64-64 tanh
actor and critic, truncation bootstrapped) over 100k environment steps on
gymnasium.vector.SyncVectorEnv; wall time of training and the greedy evaluation return.
"""
import json
import statistics
import sys
import time

import gymnasium as gym
import numpy as np
import torch


def env_steps(n: int, raw: bool) -> float:
    env = gym.make("CartPole-v1")
    if raw:
        env = env.unwrapped
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 2, size=n)
    t = time.perf_counter()
    steps = 0
    for a in actions:
        _, _, term, trunc, _ = env.step(int(a))
        steps += 1
        if raw and steps % 500 == 0:
            trunc = True
        if term or trunc:
            env.reset()
    return n / (time.perf_counter() - t)


def mlp(d_in, d_out):
    return torch.nn.Sequential(torch.nn.Linear(d_in, 64), torch.nn.Tanh(),
                               torch.nn.Linear(64, 64), torch.nn.Tanh(),
                               torch.nn.Linear(64, d_out))


def ppo(total=100_000, seed=0, n_envs=8, n_steps=32, epochs=20, batch=256, gamma=0.98,
        lam=0.8, clip0=0.2, lr0=1e-3, vf=0.5, ent=0.0, max_norm=0.5):
    torch.manual_seed(seed)
    envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(n_envs)],
                                    autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
    actor, critic = mlp(4, 2), mlp(4, 1)
    params = list(actor.parameters()) + list(critic.parameters())
    opt = torch.optim.Adam(params, lr=lr0, eps=1e-5)
    obs, _ = envs.reset(seed=seed)
    iters = -(-total // (n_envs * n_steps))
    t0 = time.perf_counter()
    for it in range(iters):
        frac = 1.0 - it / iters
        for g in opt.param_groups:
            g["lr"] = lr0 * frac
        clip = clip0 * frac
        O, A, LP, V, R, D = [], [], [], [], [], []
        for _ in range(n_steps):
            with torch.no_grad():
                o = torch.as_tensor(obs, dtype=torch.float32)
                dist = torch.distributions.Categorical(logits=actor(o))
                a = dist.sample()
                lp, v = dist.log_prob(a), critic(o).squeeze(-1)
            obs, r, term, trunc, info = envs.step(a.numpy())
            r = r.astype(np.float32)
            if trunc.any():
                final = info["final_obs"]
                with torch.no_grad():
                    for i in np.nonzero(trunc)[0]:
                        fo = torch.as_tensor(np.asarray(final[i]), dtype=torch.float32)
                        r[i] += gamma * critic(fo).item()
            O.append(o); A.append(a); LP.append(lp); V.append(v)
            R.append(torch.as_tensor(r)); D.append(torch.as_tensor(term | trunc, dtype=torch.float32))
        with torch.no_grad():
            last = critic(torch.as_tensor(obs, dtype=torch.float32)).squeeze(-1)
        adv = torch.zeros(n_steps, n_envs)
        nxt = torch.zeros(n_envs)
        for t in reversed(range(n_steps)):
            nv = last if t == n_steps - 1 else V[t + 1]
            live = 1.0 - D[t]
            delta = R[t] + gamma * nv * live - V[t]
            nxt = delta + gamma * lam * live * nxt
            adv[t] = nxt
        ret = adv + torch.stack(V)
        O, A, LP = torch.cat(O), torch.cat(A), torch.cat(LP)
        adv, ret = adv.reshape(-1), ret.reshape(-1)
        n = O.shape[0]
        for _ in range(epochs):
            perm = torch.randperm(n)
            for s in range(0, n, batch):
                mb = perm[s:s + batch]
                logits = actor(O[mb])
                logp_all = torch.log_softmax(logits, -1)
                logp = logp_all.gather(1, A[mb].unsqueeze(1)).squeeze(1)
                ratio = (logp - LP[mb]).exp()
                a_mb = adv[mb]
                a_mb = (a_mb - a_mb.mean()) / (a_mb.std(unbiased=False) + 1e-8)
                pg = torch.max(-a_mb * ratio, -a_mb * ratio.clamp(1 - clip, 1 + clip)).mean()
                vloss = 0.5 * ((critic(O[mb]).squeeze(-1) - ret[mb]) ** 2).mean()
                entropy = -(logp_all.exp() * logp_all).sum(-1).mean()
                loss = pg + vf * vloss - ent * entropy
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, max_norm)
                opt.step()
    wall = time.perf_counter() - t0
    env = gym.make("CartPole-v1")
    rets = []
    for k in range(20):
        o, _ = env.reset(seed=10_000 + k)
        total_r, done = 0.0, False
        while not done:
            with torch.no_grad():
                a = int(actor(torch.as_tensor(o, dtype=torch.float32)).argmax())
            o, r, term, trunc, _ = env.step(a)
            total_r += r
            done = term or trunc
        rets.append(total_r)
    return wall, float(np.mean(rets))


if __name__ == "__main__":
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    torch.set_num_threads(2)
    out = []
    runs = [env_steps(200_000, raw=False) for _ in range(repeat)]
    out.append({"name": "cartpole_env", "peer": f"gymnasium {gym.__version__} (gym.make)",
                "unit": "steps/s", "runs": runs, "value": statistics.median(runs)})
    runs = [env_steps(200_000, raw=True) for _ in range(repeat)]
    out.append({"name": "cartpole_env_raw", "peer": f"gymnasium {gym.__version__} (unwrapped)",
                "unit": "steps/s", "runs": runs, "value": statistics.median(runs)})
    res = [ppo(seed=k) for k in range(repeat)]
    out.append({"name": "ppo_cartpole", "peer": f"CleanRL-style PPO, torch {torch.__version__}",
                "unit": "s", "runs": [r[0] for r in res], "value": statistics.median([r[0] for r in res]),
                "eval_returns": [r[1] for r in res]})
    for o in out:
        print(json.dumps(o))
