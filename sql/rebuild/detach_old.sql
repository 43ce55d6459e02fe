DETACH old;
