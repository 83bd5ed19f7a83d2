"""Writes policy.json beside this file: torchvision's RandAugment / TrivialAugmentWide
magnitude tables and the output of its _apply_op for every op on two fixed uint8 images, for
tests/dataset/policy-torchvision.test.ts. Needs torch and torchvision (Debian: python3-torchvision).
Run: /usr/bin/python3 tests/dataset/torchvision/policy.py"""
import base64, json, os
import torch
import torchvision
from torchvision.transforms import InterpolationMode
from torchvision.transforms.autoaugment import RandAugment, TrivialAugmentWide, _apply_op

H, W = 7, 9


def images():
    g = torch.Generator().manual_seed(3)
    ramp = torch.arange(H * W * 3, dtype=torch.float32).reshape(H, W, 3) * 4.1 % 256
    noisy = (ramp + torch.randint(0, 40, (H, W, 3), generator=g)).clamp(0, 255)
    dull = 90 + torch.randint(0, 50, (H, W, 3), generator=g).float()  # low contrast: autocontrast and equalize have work
    return [noisy.to(torch.uint8), dull.to(torch.uint8)]


def b64(t):
    return base64.b64encode(t.contiguous().numpy().tobytes()).decode()


def tables(space):
    return {op: ([float(v) for v in m.tolist()] if m.ndim > 0 else None, signed) for op, (m, signed) in space.items()}


def main():
    ra = RandAugment()._augmentation_space(31, (H * 8, W * 8))  # image_size is (height, width), as its forward passes it
    ta = TrivialAugmentWide()._augmentation_space(31)
    cases = []
    for i, img in enumerate(images()):
        chw = img.permute(2, 0, 1)
        for name, space in (("randaugment", ra), ("trivialaugment", ta)):
            for op, (mags, signed) in space.items():
                picks = [float(mags[k]) for k in (5, 20, 30)] if mags.ndim > 0 else [0.0]
                if signed:
                    picks += [-p for p in picks]
                for m in picks:
                    out = _apply_op(chw, op, m, interpolation=InterpolationMode.NEAREST, fill=None)
                    cases.append({"image": i, "space": name, "op": op, "magnitude": m, "out": b64(out.permute(1, 2, 0))})
    doc = {
        "torchvision": torchvision.__version__,
        "height": H,
        "width": W,
        "images": [b64(img) for img in images()],
        "tables": {"randaugment": {"height": H * 8, "width": W * 8, "ops": tables(ra)}, "trivialaugment": {"ops": tables(ta)}},
        "cases": cases,
    }
    with open(os.path.join(os.path.dirname(__file__), "policy.json"), "w") as f:
        json.dump(doc, f)


main()
