"""Paper assembly: blueprints, pools, seeded draws and fairness across a sitting."""
