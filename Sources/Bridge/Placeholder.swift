public enum BridgePlaceholder {}
