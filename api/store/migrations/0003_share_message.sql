-- A family link's optional "message to them", shown to whoever opens the link. The link's label
-- stays the owner's private name for it and is never shown to the holder.
ALTER TABLE shares ADD COLUMN message TEXT NOT NULL DEFAULT '';
