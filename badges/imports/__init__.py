"""Historical migration (SPEC 14): badge definitions and customers' earned badges brought over
from another platform, by API batches and from CSV files, every row accounted for."""
