namespace VgpuIac.Engine.Schema;

public enum BlockNesting
{
    Single,
    List,
    Set,
}
