"""One module per outside format; each turns rows of that format into orgmap event dicts."""
