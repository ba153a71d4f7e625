using System.Text;
using Google.Protobuf;

namespace VgpuIac.Terraform.Service;

/// <summary>
/// The provider's private data between the two PlanResourceChange calls of a replacement. Terraform plans a replacement
/// first with the prior state, then again as a create with a null prior state and, as <c>prior_private</c>, the
/// <c>planned_private</c> of the first call. The first call writes the object's ID here so the second can tell the engine
/// which object the create replaces (<see cref="Engine.Resources.PlanRequest.Replacing"/>).
/// </summary>
public static class ReplacementPrivate
{
    private const string Prefix = "vgpuiac-replaces:";

    public static ByteString Mark(string id) => ByteString.CopyFrom(Encoding.UTF8.GetBytes(Prefix + id));

    /// <summary>The ID recorded by <see cref="Mark"/>, or null for empty or foreign private data.</summary>
    public static string? Read(ByteString? data)
    {
        if (data is null || data.IsEmpty)
        {
            return null;
        }

        var text = data.ToStringUtf8();
        return text.StartsWith(Prefix, StringComparison.Ordinal) && text.Length > Prefix.Length ? text[Prefix.Length..] : null;
    }
}
