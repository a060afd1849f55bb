package software.amazon.event.ruler.input;

public abstract class InputCharacter {

    public abstract InputCharacterType getType();

}
