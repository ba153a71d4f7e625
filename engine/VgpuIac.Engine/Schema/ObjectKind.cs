namespace VgpuIac.Engine.Schema;

public enum ObjectKind
{
    Provider,
    Resource,
    DataSource,
}
