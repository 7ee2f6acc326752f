"""An agent started before its controller registers once the controller comes up,
and registers again after the controller restarts on the same port and database."""
import unittest

from ffleet_fixture import Cluster, stays_true, wait_until

AGENT = "early-bird"


class AgentBeforeController(unittest.TestCase):
    def test_agent_first_then_controller_then_controller_restart(self):
        with Cluster() as c:
            agent = c.start_agent(AGENT)
            # With no controller to talk to, the agent must keep trying, not exit.
            stays_true(agent.alive, 1.0, what="agent alive with no controller")
            c.start_controller()
            c.wait_agent(AGENT, timeout=15)

            self.assertEqual(c.stop_controller(), 0)
            self.assertTrue(agent.alive(), "the agent exited when the controller did")
            controller = c.start_controller()
            c.wait_agent(AGENT, timeout=15)
            # The database alone could report it ready; the new controller's own log
            # shows that the agent really spoke to it.
            wait_until(lambda: AGENT in controller.text(), 15, what="the restarted controller to hear the agent")


if __name__ == "__main__":
    unittest.main(verbosity=2)
