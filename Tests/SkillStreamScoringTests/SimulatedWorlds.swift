import SkillStreamSimulation

/// Small simulated worlds for the scoring tests: the simulator's defaults, resized.
func simulatedWorld(
    seed: UInt64, restaurants: Int, staffPerRestaurant: Int, days: Int, adjust: (inout SimulationConfiguration) -> Void = { _ in }
) -> RestaurantSimulator {
    var configuration = SimulationConfiguration()
    configuration.seed = seed
    configuration.restaurants = restaurants
    configuration.staffPerRestaurant = staffPerRestaurant
    configuration.days = days
    adjust(&configuration)
    return RestaurantSimulator(configuration: configuration)
}
