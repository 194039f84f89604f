"""The shared behavioural suite: one contract, every implementation and backend."""
