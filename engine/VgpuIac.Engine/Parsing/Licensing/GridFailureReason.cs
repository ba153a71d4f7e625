namespace VgpuIac.Engine.Parsing.Licensing;

/// <summary>Why licensing failed, with the fix it points to.</summary>
public enum GridFailureReason
{
    /// <summary>Not classified; read the line.</summary>
    Unknown,

    /// <summary>"Failed to decode signature from token received": the client token does not match the server's keys (re-download it).</summary>
    BadClientToken,

    /// <summary>No <c>client_configuration_token_*.tok</c> in the token directory.</summary>
    NoClientToken,

    /// <summary>The licence server cannot be reached (address, port, TLS, firewall).</summary>
    ServerUnreachable,

    /// <summary>The server answered with an error.</summary>
    ServerError,

    /// <summary>Clock/time problem between guest and server (set TZ/NTP on both).</summary>
    ClockSkew,

    /// <summary>Legacy gridd.conf lacks ServerAddress/FeatureType.</summary>
    ConfigurationMissing,

    /// <summary>"Invalid feature type requested" (FeatureType does not fit the GPU/profile).</summary>
    InvalidFeatureType,
}
