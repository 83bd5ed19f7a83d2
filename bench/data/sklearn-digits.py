"""A small real dataset for trying recipes on a machine without network: scikit-learn's bundled
handwritten digits (1797 scans of 8x8 at 17 grey levels), upscaled to 64x64 RGB PNGs in the Tiny
ImageNet folder layout that `dataset.source: tiny-imagenet-folder` reads, with its class list.

  /usr/bin/python3 bench/data/sklearn-digits.py data/digits      (Debian: python3-sklearn, python3-pil)
  --set dataset.source=tiny-imagenet-folder --set dataset.path=data/digits --set dataset.classes=data/digits/classes.json

The first `per_class` images of each digit (default 60) are the train split, the rest validation:
few training images, so that regularization has work to do."""
import json, os, sys
import numpy as np
from PIL import Image
from sklearn.datasets import load_digits


def main(out, per_class=60):
    digits = load_digits()
    os.makedirs(os.path.join(out, "val", "images"), exist_ok=True)
    seen = {k: 0 for k in range(10)}
    annotations = []
    for i, (img, label) in enumerate(zip(digits.images, digits.target)):
        grey = Image.fromarray(np.uint8(np.round(img * 255 / 16))).resize((64, 64), Image.BILINEAR)
        rgb = Image.merge("RGB", (grey, grey, grey))
        wnid = f"d{label}"
        if seen[label] < per_class:
            folder = os.path.join(out, "train", wnid, "images")
            os.makedirs(folder, exist_ok=True)
            rgb.save(os.path.join(folder, f"{wnid}_{seen[label]}.png"))
        else:
            name = f"val_{i}.png"
            rgb.save(os.path.join(out, "val", "images", name))
            annotations.append(f"{name}\t{wnid}\t0\t0\t64\t64")
        seen[label] += 1
    with open(os.path.join(out, "val", "val_annotations.txt"), "w") as f:
        f.write("\n".join(annotations) + "\n")
    with open(os.path.join(out, "classes.json"), "w") as f:
        json.dump([{"id": k, "wnid": f"d{k}", "name": f"digit {k}"} for k in range(10)], f)


main(sys.argv[1] if len(sys.argv) > 1 else "data/digits", *(int(a) for a in sys.argv[2:3]))
