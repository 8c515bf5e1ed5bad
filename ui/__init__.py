"""The Streamlit side: cached loaders, shared filters and page furniture. Only this package imports Streamlit."""
