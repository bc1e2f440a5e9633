public enum PresencePlaceholder {}
