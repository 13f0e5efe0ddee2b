"""How a query is executed: the executor protocol, the guard, the killable worker pool over
store checkpoints, the answer cache, the remote executor, and result serialization.
"""
