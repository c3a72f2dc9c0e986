# Locations are deliberately not in the admin: they hold only hashes and snapped cells, and
# there is no moderation task that needs them.
