// Learning tests follow.
