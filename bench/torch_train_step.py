"""PyTorch CPU reference for bench/train-step.ts: the same seed network, one Adam training step
and inference, images/s. Prints one JSON object. Usage: python3 torch_train_step.py '<json options>'."""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

opts = json.loads(sys.argv[1])
torch.set_num_threads(opts["threads"])
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, cin, cout, stride, dropout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.drop = nn.Dropout2d(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(self.drop(F.relu(self.bn1(self.conv1(x))))))
        return F.relu(y + (x if self.short is None else self.short(x)))


class Net(nn.Module):
    def __init__(self, blocks, widths, classes, dropout):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        layers, cin = [], widths[0]
        for stage, (count, width) in enumerate(zip(blocks, widths)):
            for b in range(count):
                layers.append(Block(cin, width, 2 if stage > 0 and b == 0 else 1, dropout))
                cin = width
        self.blocks = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.blocks(self.stem(x)), 1), 1))


model = Net(opts["blocks"], opts["widths"], opts["classes"], opts["dropout"])
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
x = torch.randn(opts["batch"], 3, opts["size"], opts["size"])
y = torch.randint(0, opts["classes"], (opts["batch"],))


def train_step():
    model.train()
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


def infer():
    model.eval()
    with torch.no_grad():
        return model(x).sum().item()


def rate(fn):
    for _ in range(opts["warmup"]):
        fn()
    times = []
    for _ in range(opts["steps"]):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return {"images_per_s": opts["batch"] * len(times) / sum(times), "step_s": times}


print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                  "train": rate(train_step), "inference": rate(infer)}))
