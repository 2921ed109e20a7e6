-- Demo events for local development, added only to an empty events table so
-- running the set-up again never duplicates them.
INSERT INTO events (title, description, image, start, duration)
SELECT * FROM (
  SELECT 'Morning run' AS title, 'Five easy kilometres along the river. All paces welcome.' AS description, '' AS image, '07:30' AS start, 1 AS duration
  UNION ALL SELECT 'Board game night', 'Bring a game or learn a new one. Snacks provided.', '', '19:00', 3
  UNION ALL SELECT 'Open-source hack hour', 'Pair up on first issues of projects we use.', '', '12:00', 1.5
  UNION ALL SELECT 'Community picnic', 'In the park by the fountain. Blankets and food to share.', '', '13:30', 2
  UNION ALL SELECT 'Photo walk', 'Golden-hour walk through the old town with cameras or phones.', '', '17:45', 2
)
WHERE NOT EXISTS (SELECT 1 FROM events);
