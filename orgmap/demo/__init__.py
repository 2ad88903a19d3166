"""The orgmap demo: the example company vault with generated months of cost and change events."""
