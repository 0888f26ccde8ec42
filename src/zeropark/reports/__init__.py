"""Reports: Excel in the official layouts, the annual PDF carbon report, server-side charts."""
