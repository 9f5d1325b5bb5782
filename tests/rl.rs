//! Reinforcement learning: the agents learn, saved policies reload, bad settings are refused.

use ai4s::core::RunOptions;
use ai4s::core::run::run_task;
use ai4s::rl::cartpole::CartPole;
use ai4s::rl::env::{AutoReset, Env, EnvKind, InvalidAction, VecEnv};
use ai4s::rl::{DqnTask, ExperimentDesignTask, PpoTask, QLearningTask};

fn opts(dir: &std::path::Path, sets: &[&str]) -> RunOptions {
    RunOptions {
        seed: Some(5),
        ..RunOptions::quick_into(dir, sets)
    }
}

/// Mean return of the uniformly random policy on CartPole: the baseline learning must beat.
fn random_cartpole_return() -> f64 {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    let mut rng = StdRng::seed_from_u64(0);
    let mut total = 0.0;
    for k in 0..200 {
        let mut env = CartPole::new(k);
        env.reset();
        loop {
            let o = env.step(rng.random_range(0..2)).expect("valid action");
            total += o.reward;
            if o.terminated || o.truncated {
                break;
            }
        }
    }
    total / 200.0
}

#[test]
fn vector_env_resets_finished_copies_and_keeps_the_final_observation() {
    let mut v = VecEnv::new(EnvKind::CartPole, 3, 9);
    let mut ended = 0;
    for _ in 0..200 {
        // Always pushing right topples every pole within a few dozen steps.
        let out = v.step(&[1, 1, 1]).expect("valid actions");
        for i in 0..3 {
            if out.terminated[i] {
                ended += 1;
                let f = out.final_obs[i].as_ref().expect("final observation kept");
                let theta = f[2].abs() as f64;
                let x = f[0].abs() as f64;
                assert!(theta > 0.2094 || x > 2.4, "final state is terminal");
                // The copy was reset: its new observation is a fresh start.
                assert!(v.obs()[i * 4..i * 4 + 4].iter().all(|s| s.abs() <= 0.05));
            } else {
                assert!(out.final_obs[i].is_none());
            }
        }
    }
    assert!(ended >= 6);
    assert_eq!(v.finished.len(), ended);
    assert!(v.finished.iter().all(|&(r, len)| r == len as f64));
}

/// PPO solves CartPole-v1 (mean greedy return >= 475, Gymnasium's threshold) within 60k
/// environment steps: on this budget every seed tried reached 500 (seeds 1-12, 42; at the
/// quick budget of 40k, seeds 6 and 8 stayed below 200). The 5-seed, 100k-step claim of the
/// README is the full run, `ai4s run ppo`.
#[test]
fn ppo_learns_cartpole_and_its_saved_policy_reloads() {
    let base = random_cartpole_return();
    assert!(base < 30.0, "random policy return {base}");
    let d = tempfile::tempdir().expect("tempdir");
    let o = run_task(
        &PpoTask,
        &opts(d.path(), &["total_steps=60000", "eval_episodes=10"]),
    )
    .expect("trains");
    let learned = o.report.get("eval_mean_return").expect("metric");
    assert!(
        learned >= 475.0,
        "PPO return {learned} (random policy {base}); CartPole-v1 is solved at 475"
    );
    let curve = std::fs::read_to_string(d.path().join("learning_curves.csv")).expect("curve");
    assert!(curve.lines().count() > 20);
    // Re-evaluating the saved policy with the same seed sees the same episodes.
    let policy = d.path().join("policy_seed0.bpk");
    let e = tempfile::tempdir().expect("tempdir");
    let load = format!("load={}", policy.display());
    let again = run_task(&PpoTask, &opts(e.path(), &[&load, "eval_episodes=10"])).expect("loads");
    assert_eq!(again.report.get("eval_mean_return"), Some(learned));
    assert_eq!(again.report.get("env_steps"), Some(0.0));
}

/// DQN balances the pole for most of an episode within 50k environment steps: mean greedy
/// return >= 195 (CartPole-v0's solved level). On this budget seeds 1-12 and 42 gave 254 to
/// 500 (11 of 13 at 500); DQN is the less stable agent, so the test asks for 195, not 475. The
/// README's 5-seed, 100k-step numbers are the full run, `ai4s run dqn`.
#[test]
fn dqn_learns_cartpole() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = run_task(
        &DqnTask,
        &opts(d.path(), &["total_steps=50000", "eval_episodes=10"]),
    )
    .expect("trains");
    let learned = o.report.get("eval_mean_return").expect("metric");
    assert!(learned >= 195.0, "DQN return {learned}");
}

#[test]
fn q_learning_matches_value_iteration() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = run_task(&QLearningTask, &opts(d.path(), &[])).expect("runs");
    assert_eq!(o.report.get("non_optimal_greedy_actions"), Some(0.0));
    assert!(o.report.get("max_abs_value_error").expect("metric") < 1e-3);
    assert!(d.path().join("policy.svg").exists());
}

#[test]
fn experiment_design_policy_beats_random_search() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = run_task(&ExperimentDesignTask, &opts(d.path(), &[])).expect("runs");
    let rl = o.report.get("rl_mean_final_regret").expect("metric");
    let random = o.report.get("random_mean_final_regret").expect("metric");
    assert!(rl < random, "learned {rl} vs random {random}");
}

#[test]
fn bad_settings_and_missing_policies_are_clear_errors() {
    let d = tempfile::tempdir().expect("tempdir");
    let e = run_task(&PpoTask, &opts(d.path(), &["ppo.n_envs=0"])).expect_err("refused");
    assert!(e.to_string().contains("ppo.n_envs"), "{e}");
    assert_eq!(e.exit_code(), 2);
    let e = run_task(&DqnTask, &opts(d.path(), &["dqn.gamma=1.5"])).expect_err("refused");
    assert!(e.to_string().contains("dqn.gamma"), "{e}");
    let e = run_task(&PpoTask, &opts(d.path(), &["load=/nonexistent/policy.bpk"]))
        .expect_err("no such policy");
    assert!(e.to_string().contains("/nonexistent/policy.json"), "{e}");
    assert_eq!(e.exit_code(), 1);
    let e = run_task(&PpoTask, &opts(d.path(), &["env=pong"])).expect_err("unknown env");
    assert!(e.to_string().contains("env"), "{e}");
}

/// ai4s's CartPole reproduces Gymnasium's: 640 transitions written by Gymnasium 1.4.0
/// (`bench/compare/gym_cartpole_golden.py`: random tilted, moving states with both actions, and
/// four 60-step trajectories) give the same next state to 1e-12 and the same `terminated`.
#[test]
fn cartpole_matches_gymnasium_golden_transitions() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cartpole/golden.csv");
    let text = std::fs::read_to_string(&path).expect("golden file");
    let mut rows = 0;
    let mut terminations = 0;
    for (k, line) in text.lines().enumerate().skip(2) {
        let v: Vec<f64> = line
            .split(',')
            .map(|t| {
                t.parse()
                    .unwrap_or_else(|_| panic!("line {}: `{t}`", k + 1))
            })
            .collect();
        assert_eq!(v.len(), 10, "line {}", k + 1);
        let mut env = CartPole::new(0);
        env.state = [v[0], v[1], v[2], v[3]];
        let out = env.step(v[4] as usize).expect("valid action");
        for i in 0..4 {
            assert!(
                (env.state[i] - v[5 + i]).abs() <= 1e-12 * (1.0 + v[5 + i].abs()),
                "line {}: component {i}: {} vs Gymnasium {}",
                k + 1,
                env.state[i],
                v[5 + i]
            );
        }
        assert_eq!(out.terminated, v[9] == 1.0, "line {}: terminated", k + 1);
        rows += 1;
        terminations += usize::from(out.terminated);
    }
    assert_eq!(rows, 640);
    assert!(terminations > 50 && terminations < 590, "{terminations}");
}

/// Gymnasium's TimeLimit: an episode that terminates on its last allowed step is also
/// truncated.
#[test]
fn termination_on_the_last_allowed_step_is_also_truncated() {
    let mut env = CartPole::new(0);
    env.reset();
    // Step 499 keeps the pole up (state reset to upright each time), step 500 ends beyond the
    // bound.
    for _ in 0..499 {
        env.state = [0.0; 4];
        let o = env.step(1).expect("valid action");
        assert!(!o.terminated && !o.truncated);
    }
    env.state = [2.39, 1.0, 0.0, 0.0];
    let o = env.step(1).expect("valid action");
    assert!(o.terminated && o.truncated, "{o:?}");
}

/// Gymnasium 1.x's default next-step autoreset: the ending step shows the final observation,
/// the following step only resets that copy (its action ignored, reward 0, no flags), and the
/// other copies step as usual. Same-step and next-step runs see the same episodes.
#[test]
fn next_step_autoreset_returns_the_final_observation_then_resets() {
    let mut same = VecEnv::new(EnvKind::CartPole, 2, 4);
    let mut next = VecEnv::new(EnvKind::CartPole, 2, 4).with_autoreset(AutoReset::NextStep);
    assert_eq!(next.autoreset(), AutoReset::NextStep);
    assert_eq!(same.obs(), next.obs());
    // Copy 0 always pushes right and falls quickly; copy 1 alternates and lasts longer.
    let mut step = 0;
    let end = loop {
        step += 1;
        let a = [1, step % 2];
        let s = same.step(&a).expect("valid actions");
        let n = next.step(&a).expect("valid actions");
        assert_eq!(s.rewards, n.rewards);
        assert_eq!(s.terminated, n.terminated);
        if n.terminated[0] {
            // Next-step: the row holds the terminal observation, equal to same-step's final_obs.
            let final_obs = s.final_obs[0].as_ref().expect("same-step keeps it");
            assert_eq!(&next.obs()[..4], final_obs.as_slice());
            assert!(n.final_obs[0].is_some());
            break step;
        }
        assert!(step < 200, "pushing right always topples the pole");
    };
    // The reset step: copy 0's action is ignored, reward 0, no flags, fresh start observed.
    let n = next.step(&[1, 0]).expect("valid actions");
    assert_eq!(n.rewards[0], 0.0);
    assert!(!n.terminated[0] && !n.truncated[0] && n.final_obs[0].is_none());
    assert!(next.obs()[..4].iter().all(|x| x.abs() <= 0.05));
    // Both modes drew the same new episode (same generator, reset once).
    assert_eq!(&next.obs()[..4], &same.obs()[..4]);
    assert_eq!(next.finished.len(), same.finished.len());
    assert!(
        next.finished.contains(&(end as f64, end)),
        "{:?}",
        next.finished
    );
}

/// An action outside the space is refused before any copy moves.
#[test]
fn vector_env_refuses_bad_actions_without_moving() {
    let mut v = VecEnv::new(EnvKind::CartPole, 2, 1);
    let before = v.obs().to_vec();
    let e = v.step(&[0, 2]).expect_err("2 is outside Discrete(2)");
    assert_eq!(
        e,
        InvalidAction::OutOfRange {
            action: 2,
            n_actions: 2
        }
    );
    let e = v.step(&[0]).expect_err("one action for two copies");
    assert!(
        e.to_string()
            .contains("1 actions for a vector environment of 2"),
        "{e}"
    );
    assert_eq!(v.obs(), before.as_slice());
    let e = EnvKind::MountainCar
        .make(0)
        .step(3)
        .expect_err("MountainCar has 3 actions");
    assert!(e.to_string().contains("expected 0 to 2"), "{e}");
}
