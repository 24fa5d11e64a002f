"""Human-AI reliance measures from paired unaided/aided reads. Pure, no Django."""
