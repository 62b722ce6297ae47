"""The torch bridge (optional extra ``archcalc[torch]``): IR -> ``torch.nn.Module``, the
cross-check against fvcore and FlopCounterMode, and import of users' modules into the IR.

Nothing here is imported unless a command needs it; torch and fvcore load lazily.
"""
