namespace Replicate; internal static class Placeholder { }
