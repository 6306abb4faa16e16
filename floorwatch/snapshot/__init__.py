"""The floor at an instant: view-model dataclasses, metrics, Erlang C, burnout rules and the
floor model (pure), plus its two I/O edges: the reader and the live poller."""
