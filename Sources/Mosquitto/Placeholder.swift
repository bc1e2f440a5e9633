public enum MosquittoPlaceholder {}
