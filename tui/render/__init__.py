"""Rich renderables for non-interactive output."""
