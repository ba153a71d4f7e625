using Google.Protobuf;
using Grpc.Core;

namespace VgpuIac.Hosting;

/// <summary>
/// Protobuf messages on the gRPC wire, as the generated code's marshallers do it (buffer serialization), for the RPCs both
/// plugins add with their concrete types. One source file, compiled into the Terraform provider and linked into the Pulumi
/// plugin (neither references the other).
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
internal static class ProtobufMarshaller<T>
    where T : class, IMessage<T>, IBufferMessage, new()
{
    private static readonly MessageParser<T> Parser = new(static () => new T());

    public static Marshaller<T> Instance { get; } = Marshallers.Create<T>(
        static (message, context) =>
        {
            context.SetPayloadLength(message.CalculateSize());
            message.WriteTo(context.GetBufferWriter());
            context.Complete();
        },
        static context => Parser.ParseFrom(context.PayloadAsReadOnlySequence()));
}
