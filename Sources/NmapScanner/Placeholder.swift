public enum NmapScannerPlaceholder {}
