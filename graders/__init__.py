"""seqlab's grading engine: generic, data-driven; lab specs live under graders/labs/."""
