"""PyTorch peer of `ai4s bench` item mlp_train: Adam on a tanh MLP 64-256-256-1, batch 512, MSE.

Prints one JSON object: samples/s per repetition and the median. Same sizes, same optimiser,
same data shapes as src/bench.rs; float32; torch uses the machine's cores (set_num_threads).
"""
import json
import statistics
import sys
import time

import torch

IN, HIDDEN, BATCH = 64, (256, 256), 512


def run(steps: int) -> float:
    torch.manual_seed(1)
    layers, d = [], IN
    for h in HIDDEN:
        layers += [torch.nn.Linear(d, h), torch.nn.Tanh()]
        d = h
    layers.append(torch.nn.Linear(d, 1))
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(BATCH, IN), torch.randn(BATCH, 1)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    t = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * BATCH / (time.perf_counter() - t)


if __name__ == "__main__":
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2)
    runs = [run(steps) for _ in range(repeat)]
    print(json.dumps({"name": "mlp_train", "peer": f"pytorch {torch.__version__}",
                      "unit": "samples/s", "runs": runs, "value": statistics.median(runs)}))
