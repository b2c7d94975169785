"""Other trackers' data shapes as Cairn's (W&B first): pure code the SDK and server share."""
