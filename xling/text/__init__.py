"""Text in: bounded, checked reading of user input, script facts, numbers, and segmentation into spans."""
