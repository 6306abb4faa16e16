"""The floor model, split by concern (import each module by its own name: this package imports
nothing, so that the ingest's agent floor does not bring in the viewers' numpy windows).

- changes.py: what a reader feeds the model (Changes, Settled) and rows clipped to an instant;
- kept_calls.py: the calls held row by row, and those counted and forgotten;
- ledger.py: the queues met, and what each call added to its queue's numbers;
- agent_book.py / agents.py: one agent's book and what it reads at an instant; every book;
- burnout_facts.py: what the burnout rules need of an agent, off their book;
- agent_floor.py: AgentFloor, the agents and their burnout facts (the ingest keeps this);
- today_windows.py: today's and the rolling windows' running sums per queue (numpy);
- waiting.py, staffing.py, trends.py, shown_agents.py: the queues' callers, staffing (Erlang C),
  last-hour trends, and the agents as the snapshot shows them;
- floor.py: FloorModel, the viewers' model composing all of the above.
"""
