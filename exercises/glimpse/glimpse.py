"""RAM 的 glimpse sensor / the glimpse sensor of the recurrent attention model (RAM).

Around a location l in normalised coordinates, the sensor cuts k square patches that share
one centre and double in side each time (base, 2·base, 4·base, ...), shrinks every patch to
base × base by averaging blocks of pixels, and stacks them: a sharp view of the centre and
ever coarser views of its surroundings.

The program builds a batch of images from a fixed formula, reads the sizes and one location
per image from standard input, and prints the pixel centres, the glimpse's shape and its values.

Only the code between the Begin/End markers is yours; everything else is fixed by the lab.
"""

import sys

import torch
import torch.nn.functional as F

# Fixed by the lab: nothing here is random, but the seed and one thread keep runs repeatable.
SEED = 2024
torch.manual_seed(SEED)
torch.set_num_threads(1)


# Blank 1 — pixel_centre(loc, height, width): normalised locations to integer pixel centres.
########## Begin ##########
raise NotImplementedError("请在 Begin/End 之间填写代码（第 1 空） / fill in the code between Begin and End (blank 1)")
########## End ##########


# Blank 2 — extract_patch(images, centre, size): a size × size window, zeros outside the image.
########## Begin ##########
raise NotImplementedError("请在 Begin/End 之间填写代码（第 2 空） / fill in the code between Begin and End (blank 2)")
########## End ##########


# Blank 3 — glimpse(images, loc, base, k): k patches of side base·2^i, each averaged to base × base.
########## Begin ##########
raise NotImplementedError("请在 Begin/End 之间填写代码（第 3 空） / fill in the code between Begin and End (blank 3)")
########## End ##########


def make_images(batch, channels, height, width):
    """A fixed, non-symmetric pattern: a shifted or transposed window gives other numbers."""
    b = torch.arange(batch, dtype=torch.float32).reshape(-1, 1, 1, 1)
    c = torch.arange(channels, dtype=torch.float32).reshape(1, -1, 1, 1)
    rows = torch.arange(height, dtype=torch.float32).reshape(1, 1, -1, 1)
    cols = torch.arange(width, dtype=torch.float32).reshape(1, 1, 1, -1)
    wave = torch.sin(0.61 * rows + 1.3 * c + 0.7 * b) * torch.cos(0.37 * cols - 0.5 * c)
    return wave + 0.03 * rows - 0.02 * cols + 0.1 * b


def fmt(value):
    text = f"{float(value):.6f}"
    return "0.000000" if text == "-0.000000" else text


def main():
    batch, channels, height, width, base, k = (int(v) for v in sys.stdin.readline().split())
    loc = torch.tensor([[float(v) for v in sys.stdin.readline().split()] for _ in range(batch)])
    images = make_images(batch, channels, height, width)

    centre = pixel_centre(loc, height, width)
    for b in range(batch):
        print(f"centre {b}: x={int(centre[b, 0])} y={int(centre[b, 1])}")
    out = glimpse(images, loc, base, k)
    print("shape:", " ".join(str(n) for n in out.shape))
    for b in range(batch):
        for i in range(k):
            view = out[b, i]
            print(f"image {b} scale {i} mean {fmt(view.mean())}")
            print("  channel 0, row 0:", " ".join(fmt(v) for v in view[0, 0]))
            print("  last channel, column 0:", " ".join(fmt(v) for v in view[-1, :, 0]))


if __name__ == "__main__":
    main()
