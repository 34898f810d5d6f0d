namespace Replicate.Testing; internal static class Placeholder { }
