/// A topic under `<base>/nodes/`, read back (``Topics/nodeTopic(_:)``).
public enum NodeTopic: Sendable, Equatable {
    case state(node: String)
    case info(node: String)
    case sync(node: String)
    case device(node: String, id: String)
}
