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
def pixel_centre(loc, height, width):
    """loc: (B, 2) float, loc[:, 0] = x (horizontal), loc[:, 1] = y (vertical), both in [-1, 1].
    Returns a (B, 2) long tensor of (column, row) = (floor((x+1)/2·W), floor((y+1)/2·H))."""
    column = torch.floor((loc[:, 0] + 1) / 2 * width)
    row = torch.floor((loc[:, 1] + 1) / 2 * height)
    return torch.stack([column, row], dim=1).long()


########## End ##########


# Blank 2 — extract_patch(images, centre, size): a size × size window, zeros outside the image.
########## Begin ##########
def extract_patch(images, centre, size):
    """images: (B, C, H, W); centre: (B, 2) long (column, row); size: even int.
    Returns (B, C, size, size): rows row - size/2 ... row + size/2 - 1 and the same for
    columns; pixels outside the image are 0."""
    half = size // 2
    # Pad by `size` on every side: a window centred anywhere in the image fits in the canvas.
    padded = F.pad(images, (size, size, size, size))
    patches = []
    for b in range(images.shape[0]):
        top = int(centre[b, 1]) - half + size  # row index in the padded canvas
        left = int(centre[b, 0]) - half + size
        patches.append(padded[b, :, top : top + size, left : left + size])
    return torch.stack(patches)


########## End ##########


# Blank 3 — glimpse(images, loc, base, k): k patches of side base·2^i, each averaged to base × base.
########## Begin ##########
def glimpse(images, loc, base, k):
    """Returns (B, k, C, base, base); index i along dim 1 is the patch of side base·2^i,
    reduced by averaging non-overlapping 2^i × 2^i blocks."""
    centre = pixel_centre(loc, images.shape[2], images.shape[3])
    views = []
    for i in range(k):
        factor = 2**i
        patch = extract_patch(images, centre, base * factor)
        batch, channels = patch.shape[:2]
        blocks = patch.reshape(batch, channels, base, factor, base, factor)
        views.append(blocks.mean(dim=(3, 5)))
    return torch.stack(views, dim=1)


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
