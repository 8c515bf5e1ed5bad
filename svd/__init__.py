"""svd: data package for the Serious Violence Duty dashboard (Streamlit-free)."""

__version__ = "0.1.0"
