"""The revalidation records, in one place: the CPD log row, reflective accounts and the reflective discussion.

The /revalidation page labels its forms from these, and ``backup.py`` writes the same labels in Markdown.
Everything is kept in the encrypted journal under one pseudo-activity, ``__revalidation``:

- ``kind``: ``"nmc"`` (the default) or ``"generic"`` (no Code themes, general wording);
- ``cpd.<field>`` for the CPD record; ``accounts``: ``[{id, from: [activity ids]}]`` in the worker's order,
  and ``account.<id>.<field>`` for each account; ``talk.<field>`` for the discussion, where ``accounts`` holds
  account ids and ``summaries`` ``[{id, sent}]``: outbox ids with when each was sent, kept here because the
  outbox may forget them (a summary's text stays under ``__share``).

The wording is ours. The requirements come from the NMC's revalidation guidance (see ``SOURCE_NOTE``).
"""
from __future__ import annotations

from dataclasses import dataclass

ACTIVITY = "__revalidation"
AS_OF = "2026-11"
THEMES = ("Prioritise people", "Practise effectively", "Preserve safety", "Promote professionalism and trust")


@dataclass(frozen=True)
class Field:
    """One question. ``generic`` is its wording for the generic record; ``nmc_only`` leaves it out there."""

    id: str
    label: str
    type: str = "longtext"  # text, longtext, date, hours, themes, picked (ids chosen on the page)
    help: str = ""
    generic: str = ""
    nmc_only: bool = False

    def label_for(self, kind: str) -> str:
        return self.generic if kind == "generic" and self.generic else self.label


CPD = (
    Field("method", "How you learned", "text", "For example: self-directed online learning, group discussion."),
    Field("topic", "What it covered, and how it connects to your work"),
    Field("from", "Started", "date"),
    Field("to", "Finished", "date"),
    Field("hours", "Hours spent", "hours"),
    Field("participatory", "Of those, hours spent learning with other people", "hours",
          "For example, time in a group discussion."),
    Field("code", "How it relates to the Code", generic="How it relates to your professional standards or your role"),
)
ACCOUNT = (
    Field("nature", "What was the learning, feedback or event?",
          help="Say what kind of thing it was and what it was about."),
    Field("learned", "What did you learn from it?"),
    Field("changed", "How has it changed or improved the way you work?"),
    Field("themes", "Which themes of the Code does it touch?", "themes", nmc_only=True),
    Field("code", "How does it relate to the Code?",
          generic="How does it relate to your professional standards or your role?"),
)
DISCUSSION = (
    Field("name", "Who you talked it over with", "text", "Usually your clinical supervisor."),
    Field("pin", "Their NMC registration number (optional)", "text",
          generic="Their professional registration number (optional)"),
    Field("date", "When you talked", "date"),
    Field("accounts", "Accounts you talked about", "picked"),
    Field("summaries", "Summaries you had sent them beforehand", "picked"),
)
EVIDENCE = "Evidence: the activities you have marked done"
# In our own words; only facts we can point to in the guidance.
SOURCE_NOTE = (f"Where this comes from: the Nursing and Midwifery Council's revalidation guidance, as of {AS_OF}. "
               "Every three years a registered nurse keeps a log of 35 hours of CPD, 20 of them participatory; "
               "writes five reflective accounts on the NMC's form; and has a reflective discussion about them "
               "with another NMC registrant. None of it may identify a patient or a colleague. "
               "Check the NMC's own guidance before you submit.")
