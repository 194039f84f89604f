"""What the offload benchmarks run in other processes: importable without anything heavy."""


def square(value: int) -> int:
    return value * value
