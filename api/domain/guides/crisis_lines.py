"""Crisis lines in guides come from the deployment, never from the guide file.

A guide writes a ``::: crisis`` block (its own lead-in, no numbers); the server fills the block
with the resources of ``crisis_file`` once, at start-up, so every guide, the guide search and
every family link show the same lines as the crisis panel. Pure: guides and resources in,
filled guides out.
"""

from __future__ import annotations

import msgspec

from api.domain.crisis import Crisis
from api.domain.guides.format import Block, CrisisLines, Guide, Library


def fill_block(block: Block, crisis: Crisis) -> Block:
    if isinstance(block, CrisisLines):
        return msgspec.structs.replace(block, resources=list(crisis.resources))
    return block


def fill_guide(guide: Guide, crisis: Crisis) -> Guide:
    blocks = [fill_block(block, crisis) for block in guide.blocks]
    return msgspec.structs.replace(guide, blocks=blocks)


def fill_crisis_lines(library: Library, crisis: Crisis) -> Library:
    """The same library, in the same order, with every ``::: crisis`` block filled."""
    return {slug: fill_guide(guide, crisis) for slug, guide in library.items()}
