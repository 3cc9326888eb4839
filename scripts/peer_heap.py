"""The peers' allocator setting (scripts/peer_scaling.py, peer_torch_text.py, peer_torch_ratings.py).

glibc gives the top of the heap back to the system once more than M_TRIM_THRESHOLD bytes are
free there (128 kB until a large mmapped block is freed, which raises it). A PyTorch training
step frees its activations at the end of the step, so with the initial threshold every step
returns its memory and faults it back in on the next one. ../shared/bench/peer_torch_moe.py
escapes this by accident: loading its test set frees a large block first. A run that loads only
its training images does not, and trains the reference shape 3x slower (5,300 against 17,400
samples/s, measured on 2026-12-03). keep_heap() sets the thresholds as a large free would (and
the mmap threshold to its largest, 32 MB: setting any of them by hand freezes it at 128 kB, and
at expert width 2048 every step's activations were then mapped and unmapped: 354 samples/s,
against 2,849 with it raised), so that every peer runs in its fast configuration whatever it
happens to allocate first."""
import ctypes

M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

def keep_heap(trim_bytes=256 << 20):
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(M_TRIM_THRESHOLD, ctypes.c_int(trim_bytes))
    libc.mallopt(M_TOP_PAD, ctypes.c_int(16 << 20))
    libc.mallopt(M_MMAP_THRESHOLD, ctypes.c_int(32 << 20))
