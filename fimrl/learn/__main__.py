"""`python -m fimrl.learn` (or `accelerate launch -m fimrl.learn`): the learner process."""

from fimrl.learn.daemon import main

if __name__ == "__main__":
    main()
