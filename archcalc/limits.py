"""The documented limits on what archcalc reads (README, "Safety and limits").  Specs are
shared files: every limit turns an absurd or hostile input into a one-line error before any
work, instead of a hang, a traceback or a network that cannot exist."""

MAX_FILE_BYTES = 16 * 2**20  # a spec file (the largest zoo file is 12 KiB)
MAX_DEPTH = 32  # nesting of mappings and lists in a spec file (the zoo needs 6)
MAX_ALIASES = 256  # YAML aliases (``*name``) in a spec file
MAX_VALUES = 1_000_000  # values of a spec file with its aliases expanded: no "billion laughs"
MAX_INT = 2**31 - 1  # any integer of a spec or an option: channels, sizes, strides, batch
MAX_FLOAT = 1e6  # any real-valued block parameter (t, se, r, mlp_ratio)
MAX_MULTIPLIER = 100.0  # width, depth and resolution multipliers
MAX_REPEAT = 100_000  # ``n`` of one layer
MAX_BLOCKS = 200_000  # blocks of a network after repeats and the depth multiplier
MAX_TERMINAL_ROWS = 2_000  # rows of one terminal table (the file formats hold every row)

# archcalc inspect runs the model once on a zero input at batch 2: at most this many elements
# per sample (1 GiB of fp32 per sample).
MAX_INSPECT_ELEMENTS = 1 << 28
