-- A family link's optional message from its owner (the label stays the owner's private name).
ALTER TABLE shares ADD COLUMN message TEXT NOT NULL DEFAULT '';
