"""The park's internal carbon market: call auctions and their clearing (pure, no I/O)."""
