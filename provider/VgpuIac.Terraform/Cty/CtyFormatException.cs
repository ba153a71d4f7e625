namespace VgpuIac.Terraform.Cty;

/// <summary>A value or type on the wire did not match what the schema says (a Terraform/provider mismatch, not a user error).</summary>
public sealed class CtyFormatException : Exception
{
    public CtyFormatException(string message)
        : base(message)
    {
    }

    public CtyFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CtyFormatException()
    {
    }
}
